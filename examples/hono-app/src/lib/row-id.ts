// Row ids in paths are positive 32-bit integers (serial); anything else is a malformed id (400),
// which is a different answer from an id that does not exist (404).

const MAX_SERIAL = 2_147_483_647;

export function parseRowId(raw: string | undefined): number | undefined {
  if (!raw || !/^[1-9][0-9]{0,9}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id <= MAX_SERIAL ? id : undefined;
}
