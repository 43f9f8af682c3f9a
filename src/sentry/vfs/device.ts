// Character devices by number: devfs registers openers, and any filesystem's S_IFCHR inode
// (devfs nodes, mknod in tmpfs) opens through this registry, as Linux's chrdev table.
import type { FileDescription } from "./file.ts";
import type { VirtualDentry } from "./dentry.ts";
import type { FileTask } from "./task.ts";

/** Opens a device file; returns the description or -errno. */
export type DeviceOpener = (t: FileTask, vd: VirtualDentry, flags: number) => FileDescription | number;

const devices = new Map<number, DeviceOpener>();

/** The Linux dev_t encoding (new_encode_dev) of major:minor (majors < 4096, minors < 2^20). */
export function makedev(major: number, minor: number): number {
  return ((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & 0xfff00) << 12)) >>> 0;
}

/** Major and minor of a dev_t made by {@link makedev}. */
export function devParts(dev: number): [number, number] {
  return [(dev >>> 8) & 0xfff, (dev & 0xff) | ((dev >>> 12) & 0xfff00)];
}

/** Registers the opener of character device `rdev`. */
export function registerCharDevice(rdev: number, open: DeviceOpener): void {
  devices.set(rdev, open);
}

/** The opener of `rdev`, if any. */
export function charDevice(rdev: number): DeviceOpener | undefined {
  return devices.get(rdev);
}
