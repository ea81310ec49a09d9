/** The commented recipe that "New Recipe…" and `stratus new-recipe` write. */
export function recipeTemplate(opts: { base?: string; email?: string; author?: string } = {}): string {
  return `# Stratus image recipe: stratus create-image <this file>, or "▶ Create image" above.
# Every field mirrors a stratus-create-image option; hover a key for its meaning.

# The image to start from: a Marketplace identifier (27 characters), an http(s) URL,
# an image file relative to this recipe, or a volume UUID.
base: ${opts.base ?? 'MMZu9WvwKIro-rtBQfDk4PsKO7_'}

# Instance type of the build VM (t1.micro, m1.small, m1.medium, m1.large, …).
type: m1.small

# apt, yum, dnf, zypper or apk; by default chosen from the base's OS.
installer: apt

# Packages installed after 'prerecipe' ran.
packages:
  - hello

# Extra repositories; for apt the rest of a 'deb' line.
# extra-repos:
#   - "[trusted=yes] http://10.0.2.100:8080/ ./"

# Shell run as root before the packages are installed.
# prerecipe: |
#   echo preparing

# Shell run as root after the packages are installed.
# recipe: |
#   systemctl enable my-service

# Scripts relative to this recipe, uploaded to /tmp and run as root.
# scripts:
#   - setup.sh
#   - path: configure.sh
#     args: [--port, "8080"]

# cloud-init parts for the build VM.
# context:
#   - type: cloud-config
#     file: user-data.yaml

# The new image's metadata: title, comment, author and author-email are required.
image:
  title: My image
  comment: What this image is for
  author: ${opts.author ?? 'Jane Tester'}
  author-email: ${opts.email ?? 'jane.tester@example.org'}
  # version: "1.1"   # default: the base's minor version + 1

# Cleanup before saving (all on by default).
# sysprep:
#   ssh-host-keys: true
#   udev-net-rules: true
#   machine-id: true
#   logs: true
#   root-ssh: true
#   package-cache: true
#   tmp: true

# Extra paths removed from the image.
# exclude:
#   - /var/cache/my-app/*

# Seconds.
# timeouts:
#   vm-start: 600
#   vm-ping: 300
#   ssh: 240

# false leaves the VM running for inspection and saves nothing.
# shutdown: true
`;
}
