/**
 * The editor modeline of a scenario file: YAML language servers (VS Code, JetBrains, Neovim) validate and complete
 * the file against the published schema. Written at the top of every scenario dr-drill generates.
 */
export const SCENARIO_SCHEMA_URL =
  'https://raw.githubusercontent.com/dr-drill/dr-drill/main/schemas/scenario.v1.schema.json';
export const SCENARIO_MODELINE = `# yaml-language-server: $schema=${SCENARIO_SCHEMA_URL}`;
