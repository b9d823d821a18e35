import { programUses } from '../compiler/needs';
import type { LabPlan } from '../compiler/plan';

/** The Debian/Ubuntu package that provides each program an exported lab may call. */
const DEBIAN_PACKAGES: Readonly<Record<string, string>> = {
  'qemu-system-x86_64': 'qemu-system-x86',
  'qemu-system-i386': 'qemu-system-x86',
  'qemu-system-aarch64': 'qemu-system-arm',
  'qemu-system-arm': 'qemu-system-arm',
  'qemu-system-riscv64': 'qemu-system-misc',
  'qemu-system-ppc64': 'qemu-system-ppc',
  'qemu-system-s390x': 'qemu-system-s390x',
  'qemu-bridge-helper': 'qemu-system-common',
  vde_switch: 'vde2',
  slirpvde: 'vde2',
  'dpdk-testpmd': 'dpdk-dev',
  smbd: 'samba',
  'linux.uml': 'user-mode-linux',
  ip: 'iproute2',
  bridge: 'iproute2',
  nft: 'nftables',
  iptables: 'iptables',
  sysctl: 'procps',
  mkfifo: 'coreutils',
  unshare: 'util-linux',
  nsenter: 'util-linux',
  pasta: 'passt',
  sudo: 'sudo',
  socat: 'socat',
  ss: 'iproute2',
  'qemu-img': 'qemu-utils',
};

/** The package that provides `program` (matched on its last path component), or '' when unknown. */
export function debianPackage(program: string): string {
  return DEBIAN_PACKAGES[program.slice(program.lastIndexOf('/') + 1)] ?? '';
}

/** Every program the scripts of `plan` run, in first-use order, without repeats: the lab's, and mkfifo for held stdins. */
export function programsOf(plan: LabPlan): string[] {
  const programs = programUses(plan.target.isolation, plan.hostSteps, plan.processes).map((p) => p.program);
  // What QEMU itself runs (smbd for an smb share) is in the plan's needs, not in any argv.
  for (const { program } of plan.needs.programs) if (!programs.includes(program)) programs.push(program);
  if (plan.processes.some((p) => p.holdStdin) && !programs.includes('mkfifo')) programs.push('mkfifo');
  return programs;
}
