/**
 * The vocabulary of a recipe: its fields (with the create-image option each one stands for),
 * instance types, installers and sysprep operations. The parser, the diagnostics, completion,
 * hovers and the shipped JSON Schema (checked by a test) all derive from these tables.
 */

export type FieldKind = 'string' | 'string-list' | 'script-list' | 'context-list' | 'mapping' | 'boolean' | 'number' | 'script';

export interface FieldSpec { kind: FieldKind; doc: string; children?: Record<string, FieldSpec> }

export const INSTALLERS = ['apt', 'yum', 'dnf', 'zypper', 'apk'] as const;
export type Installer = typeof INSTALLERS[number];

export const INSTALLER_DOCS: Record<Installer, string> = {
  apt: 'Debian, Ubuntu: `apt-get update`, then `apt-get -y install`',
  yum: 'CentOS, Scientific Linux, RHEL ≤ 7: `yum -y makecache`, then `yum -y install`',
  dnf: 'Fedora, Rocky, Alma, RHEL ≥ 8: `dnf -y makecache`, then `dnf -y install`',
  zypper: 'openSUSE, SLES: `zypper refresh`, then `zypper install`',
  apk: 'Alpine: `apk update`, then `apk add`',
};

export const SYSPREP_OPS = ['ssh-host-keys', 'udev-net-rules', 'machine-id', 'logs', 'root-ssh', 'package-cache', 'tmp'] as const;
export type SysprepOp = typeof SYSPREP_OPS[number];

export const SYSPREP_DOCS: Record<SysprepOp, string> = {
  'ssh-host-keys': 'Delete /etc/ssh/ssh_host_* so every instance makes its own host keys.',
  'udev-net-rules': 'Delete udev persistent-net rules (/etc/udev/rules.d/*net.rules, /lib/udev/rules.d/*net-gen*).',
  'machine-id': 'Empty /etc/machine-id (and remove /var/lib/dbus/machine-id) so each instance gets a new one.',
  logs: 'Truncate files under /var/log and remove rotated logs.',
  'root-ssh': "Remove root's authorized_keys and known_hosts (the build's key must not stay in the image).",
  'package-cache': "Clean the installer's package cache (apt-get clean, yum/dnf clean all, zypper clean, apk cache clean).",
  tmp: 'Empty /tmp and /var/tmp.',
};

export { DEFAULT_INSTANCE_TYPE, DEFAULT_INSTANCE_TYPES as INSTANCE_TYPES } from '../instanceTypes';

/** Defaults of the original create-image (`--vm-start-timeout`, `--vm-ping-timeout`; 40 SSH retries × 6 s, docs/stratuslab.md#create-image). */
export const DEFAULT_TIMEOUTS = { 'vm-start': 600, 'vm-ping': 300, ssh: 240 } as const;

export const FIELDS: Record<string, FieldSpec> = {
  base: { kind: 'string', doc: 'The image to start from: a Marketplace identifier (27 characters), an http(s) URL, an image file (relative to the recipe) or a volume UUID. The argument of `stratus-create-image`.' },
  type: { kind: 'string', doc: 'Instance type of the build VM (`-t/--type`), e.g. `m1.small` (default).' },
  os: { kind: 'string', doc: "Operating system of the base (`--os`); by default the base manifest's `slterms:os`, lower-cased. Chooses the default installer." },
  installer: { kind: 'string', doc: 'Package installer in the guest (`--installer`): apt, yum, dnf, zypper or apk. Default: derived from the OS.' },
  packages: { kind: 'string-list', doc: 'Packages to install (`-a/--packages`), e.g. `hello` or `hello=2.10-3` (apt) / `hello-2.10` (yum).' },
  'extra-repos': { kind: 'string-list', doc: 'Extra package repositories (`--extra-os-repos`). For apt, the rest of a `deb` line: `URI suite [component…]`; for yum/dnf/zypper a base URL; for apk a repository URL.' },
  prerecipe: { kind: 'script', doc: 'Shell script run as root before the packages are installed (the configuration key `prerecipe`).' },
  recipe: { kind: 'script', doc: 'Shell script run as root after the packages are installed (the configuration key `recipe`).' },
  scripts: { kind: 'script-list', doc: 'Scripts (`-s/--scripts`), relative to the recipe, uploaded to /tmp and run as root with their arguments: `- setup.sh` or `- {path: setup.sh, args: [a, b]}`.' },
  context: { kind: 'context-list', doc: 'cloud-init parts handed to the build VM: `- {type: cloud-config, file: user.yaml}`; types `cloud-config`, `x-shellscript`, `ssh` (a public key) or `none` (raw user data).' },
  image: {
    kind: 'mapping', doc: 'Describes the new image; title, comment, author and author-email are required.',
    children: {
      title: { kind: 'string', doc: 'Title of the new image (`--title`, required).' },
      comment: { kind: 'string', doc: 'Description of the new image (`--comment`, required).' },
      author: { kind: 'string', doc: 'Author of the new image (`--author`, required).' },
      'author-email': { kind: 'string', doc: 'E-mail of the author (`--author-email`, required).' },
      version: { kind: 'string', doc: "Version of the new image (`--image-version`); default: the base's minor version + 1." },
      marketplace: { kind: 'string', doc: 'Marketplace that receives the draft entry (`--marketplace-endpoint-newimage`); default: the local one.' },
    },
  },
  exclude: { kind: 'string-list', doc: 'Extra absolute paths (globs allowed) removed from the image before it is saved (`--exclude`).' },
  sysprep: {
    kind: 'mapping', doc: 'Cleanup before saving, like virt-sysprep; every operation is on unless set to false.',
    children: Object.fromEntries(Object.entries(SYSPREP_DOCS).map(([k, d]) => [k, { kind: 'boolean', doc: d } as FieldSpec])),
  },
  readiness: {
    kind: 'mapping', doc: 'Image readiness check (Check Image Readiness) run after sysprep, before saving: failing items are warnings unless required.',
    children: {
      check: { kind: 'boolean', doc: 'Run the check before saving (default true).' },
      require: { kind: 'string-list', doc: 'Item ids that must pass, or the build fails before saving (e.g. ssh.password-auth-off).' },
      waive: { kind: 'string-list', doc: 'Item ids whose failure is accepted without a warning (e.g. firewall.active).' },
    },
  },
  timeouts: {
    kind: 'mapping', doc: 'Timeouts in seconds.',
    children: {
      'vm-start': { kind: 'number', doc: 'Seconds to wait for the VM to boot (`--vm-start-timeout`, default 600).' },
      'vm-ping': { kind: 'number', doc: 'Seconds to wait for the network (`--vm-ping-timeout`, default 300).' },
      ssh: { kind: 'number', doc: 'Seconds to wait for SSH (default 240: 40 retries × 6 s).' },
    },
  },
  shutdown: { kind: 'boolean', doc: 'Shut the VM down and save the image (default true). false = leave the VM running (`--no-shutdown`), nothing is saved.' },
  network: { kind: 'string', doc: "Network of the build VM: `nat` (default: packages come from the distribution's mirrors through the host), `isolated` (only `--forward`ed repositories) or `bridge:NAME`." },
  host: { kind: 'string', doc: 'KVM host that runs the build VM (a configured host id; default: this machine).' },
};

export const TIMEOUT_KEYS = Object.keys(DEFAULT_TIMEOUTS) as (keyof typeof DEFAULT_TIMEOUTS)[];
export const IMAGE_REQUIRED = ['title', 'comment', 'author', 'author-email'] as const;

/** The messages of `stratus-create-image` for missing image fields (docs/stratuslab.md#create-image). */
export const IMAGE_REQUIRED_MESSAGES: Record<typeof IMAGE_REQUIRED[number], string> = {
  title: 'Provide a title describing the new image',
  comment: 'Provide a comment describing the new image',
  author: 'Provide an author for the new image',
  'author-email': 'Provide a valid Email address of the author of the image.',
};
