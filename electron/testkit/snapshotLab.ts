/**
 * The lab the snapshot suites (CLI and page) take snapshots of: one tiny guest writing a kept qcow2 clone of `image`,
 * its NIC on a hub so the lab has a link.
 */
export function snapshotTopology(lab: string, image: string): string {
  return `version: 2
name: ${lab}
nodes:
  - id: pc
    kind: vm
    memory: 128
    disks: [{ path: ${JSON.stringify(image)}, format: qcow2, clone: keep }]
    nics: [{ id: eth0, ip: 10.0.7.1/24 }]
  - { id: sw, kind: hub }
links:
  - { a: pc:eth0, b: sw }
`;
}
