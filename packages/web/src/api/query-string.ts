/**
 * `?a=1&b=x&b=y` from an object: arrays repeat their name (the API's repeatable parameters),
 * `undefined` and empty strings are left out so a cleared filter leaves the URL.
 */
export function queryString(values: Readonly<Record<string, unknown>>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === "") continue;
    if (Array.isArray(value)) for (const item of value) search.append(name, String(item));
    else search.append(name, String(value));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}
