import type { Installer } from './fields';

/**
 * Package installation per installer (docs/stratuslab.md#create-image, extended to dnf, zypper and apk). Everything here is an
 * argument array; repository files are data written through stdin, never spliced into a command.
 */

const OS_INSTALLER: [RegExp, Installer][] = [
  [/^(ubuntu|debian|mint|linuxmint|raspbian|devuan|kali)$/, 'apt'],
  [/^(centos|sl|scientificlinux|scientific|rhel|redhat|oracle|ol|amazon)$/, 'yum'],
  [/^(fedora|rocky|almalinux|alma|centos-stream)$/, 'dnf'],
  [/^(opensuse|opensuse-leap|opensuse-tumbleweed|sles|suse)$/, 'zypper'],
  [/^alpine$/, 'apk'],
];

/** The installer for an OS name (`slterms:os`, lower-cased); whole-name match, unlike the original's substring test. */
export function installerForOs(os: string | undefined): Installer | undefined {
  const name = (os ?? '').trim().toLowerCase();
  return OS_INSTALLER.find(([re]) => re.test(name))?.[1];
}

/** Characters a shell would treat specially; never allowed in a package name. */
export const SHELL_META = /[\s;&|`$<>(){}\[\]*?!#~'"\\]/;

const PACKAGE_RE: Record<Installer, RegExp> = {
  // name[:arch][=version]
  apt: /^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?(=[A-Za-z0-9.+~:-]+)?$/,
  // name[-version[-release]][.arch]
  yum: /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/,
  dnf: /^[A-Za-z0-9_][A-Za-z0-9_.+:-]*$/,
  zypper: /^[A-Za-z0-9_][A-Za-z0-9_.+-]*([<>=]=?[A-Za-z0-9_.+:-]+)?$/,
  apk: /^[a-z0-9][a-z0-9_.+-]*([<>=~]=?[A-Za-z0-9_.+-]+)?$/,
};

/** undefined when the name is plausible; otherwise why not. */
export function checkPackageName(name: string, installer: Installer): { severity: 'error' | 'warning'; message: string } | undefined {
  if (!name) return { severity: 'error', message: 'Empty package name.' };
  if (SHELL_META.test(name)) return { severity: 'error', message: `Package name '${name}' contains a space or shell character; a package name never does.` };
  if (name.startsWith('-')) return { severity: 'error', message: `Package name '${name}' starts with '-' and would be read as an option.` };
  if (!PACKAGE_RE[installer].test(name)) {
    const hint = installer === 'apt' ? ' (lower case letters, digits and + . -, optionally =version)' : '';
    return { severity: 'warning', message: `'${name}' does not look like a ${installer} package name${hint}.` };
  }
  return undefined;
}

export interface RepoFile { path: string; content: string; append?: boolean }

export interface InstallPlan {
  /** Files to write in the guest before updating (extra repositories). */
  repoFiles: RepoFile[];
  /** Commands that register repositories (zypper), run after the files are written. */
  repoCommands: string[][];
  update: string[];
  install: string[] | undefined;
  clean: string[];
}

const NONINTERACTIVE = ['env', 'DEBIAN_FRONTEND=noninteractive'];

/** The commands to install `packages` with `installer`, with `repos` added first (all of them, not only the last as in the original). */
export function installPlan(installer: Installer, packages: string[], repos: string[]): InstallPlan {
  const install = packages.length ? packages : undefined;
  switch (installer) {
    case 'apt':
      return {
        repoFiles: repos.length ? [{ path: '/etc/apt/sources.list.d/stratus-recipe.list', content: repos.map(r => `deb ${r}\n`).join('') }] : [],
        repoCommands: [],
        update: [...NONINTERACTIVE, 'apt-get', '-q', 'update'],
        install: install && [...NONINTERACTIVE, 'apt-get', '-q', '-y', '-o', 'Dpkg::Options::=--force-confold', 'install', ...install],
        clean: ['apt-get', 'clean'],
      };
    case 'yum':
    case 'dnf':
      return {
        repoFiles: repos.map((url, i) => ({ path: `/etc/yum.repos.d/stratus-recipe-${i}.repo`, content: `[stratus-recipe-${i}]\nname=stratus-recipe-${i}\nbaseurl=${url}\ngpgcheck=0\nenabled=1\n` })),
        repoCommands: [],
        update: [installer, '-y', 'makecache'],
        install: install && [installer, '-y', 'install', ...install],
        clean: [installer, 'clean', 'all'],
      };
    case 'zypper':
      return {
        repoFiles: [],
        repoCommands: repos.map((url, i) => ['zypper', '--non-interactive', 'addrepo', '--no-gpgcheck', url, `stratus-recipe-${i}`]),
        update: ['zypper', '--non-interactive', 'refresh'],
        install: install && ['zypper', '--non-interactive', 'install', ...install],
        clean: ['zypper', 'clean', '--all'],
      };
    case 'apk':
      return {
        repoFiles: repos.length ? [{ path: '/etc/apk/repositories', content: repos.map(r => `${r}\n`).join(''), append: true }] : [],
        repoCommands: [],
        update: ['apk', 'update'],
        install: install && ['apk', 'add', ...install],
        clean: ['apk', 'cache', 'clean'],
      };
  }
}

/** A repository line must be one line of printable text; for apt it is `URI suite [component…]`. */
export function checkRepo(value: string, installer: Installer | undefined): string | undefined {
  if (/[\r\n\0]/.test(value)) return 'A repository is one line; it must not contain line breaks.';
  if (installer === 'apt') {
    const words = value.trim().replace(/^\[[^\]]*\]\s*/, '').split(/\s+/);
    if (words.length < 2 || !/^(https?|file|cdrom|mirror\+https?):/.test(words[0])) {
      return `An apt repository is the rest of a 'deb' line: 'URI suite [component…]', e.g. 'http://10.0.2.100:8080/ ./'.`;
    }
  } else if (!/^(https?|ftp|file):\/\/\S+$/.test(value.trim())) {
    return 'A repository is a base URL (http://, https://, ftp:// or file://).';
  }
  return undefined;
}
