import type { NodeKind } from '../../shared/model';
import bridge from '../../assets/icons/bridge.svg';
import host from '../../assets/icons/host.svg';
import hub from '../../assets/icons/hub.svg';
import l2tpv3 from '../../assets/icons/l2tpv3.svg';
import mcast from '../../assets/icons/mcast.svg';
import nat from '../../assets/icons/nat.svg';
import tap from '../../assets/icons/tap.svg';
import vde from '../../assets/icons/vde.svg';
import vdpa from '../../assets/icons/vdpa.svg';
import vhostUser from '../../assets/icons/vhost-user.svg';
import vm from '../../assets/icons/vm.svg';
import netdev from '../../assets/icons/netdev.svg';
import testpmd from '../../assets/icons/testpmd.svg';
import uml from '../../assets/icons/uml.svg';

/** One icon per node kind (assets/icons), as URLs Vite resolves (small ones inline as data: URLs). */
export const KIND_ICONS: Record<NodeKind, string> = {
  vm,
  host,
  bridge,
  tap,
  hub,
  vde,
  nat,
  mcast,
  l2tpv3,
  'vhost-user': vhostUser,
  vdpa,
  netdev,
  testpmd,
  uml,
};
