# Sourced by bin/vmflock and bin/test: makes sure Debian packages a command needs are installed.
# As root with apt-get, missing ones are installed; otherwise the command stops and says what to install.

# What the emulated federation (org.vmflock.emulate.lab) needs: ip and bridge, sysctl, ping, and gcc with
# the C library's headers to compile its helper (src/main/c/vmfl-lab) at first use.
LAB_PACKAGES="iproute2 procps iputils-ping gcc libc6-dev"
# What the cluster's partition test (org.vmflock.node.ClusterPartitionTest) needs besides the lab's: nftables,
# to cut a node's network namespace from the others.
CLUSTER_PACKAGES="nftables"
# Open MPI and the real programs `vmflock emulate` runs
MPI_PACKAGES="openmpi-bin lammps hpcc meep-openmpi"

# What the QEMU guests (org.vmflock.emulate.qemu) need: QEMU, a Debian kernel, a static busybox for their initramfs.
QEMU_PACKAGES="qemu-system-x86 linux-image-amd64 busybox-static"

# The real browser the dashboard's test drives (headless, over the DevTools protocol)
BROWSER_PACKAGES="chromium"

ensure_packages() {
  command -v dpkg-query >/dev/null 2>&1 || return 0 # not Debian: trust the machine
  local missing=()
  local p
  for p in "$@"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != "installed" ]; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "vmflock: installing ${missing[*]}" >&2
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || {
        echo "vmflock: could not install ${missing[*]}; install them with: apt-get install ${missing[*]}" >&2
        exit 3
      }
    fi
  else
    echo "vmflock: missing system packages: ${missing[*]}" >&2
    echo "install them as root with: apt-get install ${missing[*]}" >&2
    exit 3
  fi
}
