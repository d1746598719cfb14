// The checks a new password gets on the phone before the server's own (length, the repeat): the
// activation and reset links and "Zmień hasło" on the account page use the same.
const MIN_LENGTH = 10;

export function passwordChecks(passwordName, repeatName) {
  return (v) => ({
    [passwordName]: v[passwordName] && v[passwordName].length < MIN_LENGTH ? 'password_too_short' : null,
    [repeatName]: v[repeatName] && v[repeatName] !== v[passwordName] ? 'passwords_mismatch' : null,
  });
}
