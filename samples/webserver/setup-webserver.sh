#!/bin/bash
# Run as root in the build VM, after apache2 is installed.
set -e

# Workaround to ensure old networking information isn't cached
rm -f /lib/udev/rules.d/*net-gen*
rm -f /etc/udev/rules.d/*net.rules

# Modify the web server's home page.
cat > /var/www/html/cloud.txt <<EOT
Cloudy Weather Expected
EOT

systemctl enable apache2
