// discwright's version, as `--version` prints it and the burn log's header records it. Kept in
// step with package.json by hand (the CLI does not read package.json at run time).

export const DISCWRIGHT_VERSION = '0.1.0';
