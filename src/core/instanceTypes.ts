/** StratusLab instance types (docs/stratuslab.md#instance-types, `getDefaultInstanceTypes`): one table for launches, recipes and completion. */
export interface InstanceType { name: string; vcpu: number; memoryMiB: number; swapMiB: number }

export const DEFAULT_INSTANCE_TYPES: readonly InstanceType[] = [
  { name: 't1.micro', vcpu: 1, memoryMiB: 512, swapMiB: 512 },
  { name: 'm1.small', vcpu: 1, memoryMiB: 1536, swapMiB: 1536 },
  { name: 'm1.medium', vcpu: 1, memoryMiB: 3072, swapMiB: 3072 },
  { name: 'm1.large', vcpu: 2, memoryMiB: 6144, swapMiB: 6144 },
  { name: 'm1.xlarge', vcpu: 4, memoryMiB: 8192, swapMiB: 8192 },
  { name: 'c1.medium', vcpu: 2, memoryMiB: 1536, swapMiB: 1536 },
  { name: 'c1.xlarge', vcpu: 4, memoryMiB: 6144, swapMiB: 6144 },
];
export const DEFAULT_INSTANCE_TYPE = 'm1.small';
