#!/bin/bash -x
# A cloud-init user script (x-shellscript part): installs, configures and starts a web server at boot.
# Launch the base image with contextualization "cloud-init" and this file as an x-shellscript part,
# publish port 0:80, then open http://127.0.0.1:PORT/test.txt.

apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y apache2

cat > /var/www/html/test.txt <<EOF2
SUCCESSFUL TEST
EOF2

systemctl enable apache2
systemctl start apache2
