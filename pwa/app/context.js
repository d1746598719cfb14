// Shared app state for views: {config, me, lang, setLanguage, signedIn, logout, notify}.
import { createContext, useContext } from './preact.js';

export const AppContext = createContext(null);

export function useApp() {
  return useContext(AppContext);
}
