// What the documents pages share: a file's size as people read it, and the categories of the
// public information (Informacje) in the order they are listed and offered to the office.
export const PUBLIC_CATEGORIES = ['price_list', 'template', 'form', 'rules', 'accessibility', 'other'];

export function fileSize(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1).replace('.', ',')} MB` : `${Math.max(1, Math.round(bytes / 1024))} kB`;
}
