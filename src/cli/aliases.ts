/**
 * The original StratusLab command names (stratus-run-instance …): each runs one `stratus` subcommand.
 * The options are the subcommand's own, which also accept the original's spellings.
 */
export const ALIASES: Record<string, string[]> = {
  'stratus-run-instance': ['run-instance'],
  'stratus-create-image': ['create-image'],
  'stratus-describe-instance': ['describe-instance'],
  'stratus-shutdown-instance': ['shutdown-instance'],
  'stratus-kill-instance': ['kill-instance'],
  'stratus-create-volume': ['create-volume'],
  'stratus-describe-volumes': ['describe-volumes'],
  'stratus-delete-volume': ['delete-volume'],
  'stratus-attach-volume': ['attach-volume'],
  'stratus-detach-volume': ['detach-volume'],
  'stratus-prepare-context': ['prepare-context'],
  'stratus-build-metadata': ['build-metadata'],
  'stratus-sign-metadata': ['sign-metadata'],
  'stratus-validate-metadata': ['validate-metadata'],
  'stratus-upload-metadata': ['upload-metadata'],
  'stratus-deprecate-metadata': ['marketplace', 'deprecate'],
  'stratus-generate-p12': ['generate-certificate'],
};

/** `stratus-run-instance` (also `.js`, `.cmd`, any folder) → its subcommand; `stratus` itself → []. */
export function aliasOf(program: string): string[] | undefined {
  const base = program.replace(/^.*[\\/]/, '').replace(/\.(js|cmd|ps1|exe)$/i, '');
  if (base === 'stratus' || base === 'cli' || base === 'main') return [];
  return ALIASES[base];
}
