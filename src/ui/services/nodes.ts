import type { BuildRecord, StepRecord } from '../../backend/build/steps';
import type { Host } from '../../backend/host/host';
import type { InstanceRecord, PortMapping } from '../../backend/kvm/types';
import type { Marketplace, MarketplaceEntry } from '../../backend/marketplace/marketplace';
import type { Volume } from '../../backend/volumes/store';

/*
 * What the trees' nodes carry: the arguments a command receives when it runs from a tree's menu. Trees
 * draw them (trees/), commands read them; both import this vocabulary, neither imports the other.
 */

export type InstanceNode =
  | { kind: 'host'; host: Host }
  | { kind: 'warning'; host: Host; message: string }
  | { kind: 'hostError'; host: Host; message: string; busy?: boolean }
  | { kind: 'empty'; host: Host }
  | { kind: 'instance'; host: Host; record: InstanceRecord }
  /** A published port of a Running instance, as this machine reaches it. */
  | { kind: 'port'; host: Host; record: InstanceRecord; port: PortMapping };

export type MpNode =
  | { kind: 'marketplace'; mp: Marketplace; label: string }
  | { kind: 'group'; parent: MpNode & { kind: 'marketplace' }; label: string; entries: EntryNode[] }
  | EntryNode
  | { kind: 'error'; parent: MpNode & { kind: 'marketplace' }; message: string }
  | { kind: 'empty'; parent: MpNode & { kind: 'marketplace' }; message: string };
export interface EntryNode { kind: 'entry'; mp: Marketplace; entry: MarketplaceEntry; parentGroup?: MpNode }

/** A Volumes tree node: a volume on a host. */
export interface VolumeNode { kind: 'volume'; host: Host; volume: Volume }


/** A Builds view node: a build, or one of its steps. */
export type BuildNode = { kind: 'build'; record: BuildRecord } | { kind: 'step'; record: BuildRecord; step: StepRecord };
