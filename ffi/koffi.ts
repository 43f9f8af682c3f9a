// The one place that imports koffi. The single-binary build replaces this module with
// ffi/koffi-sea.ts (an esbuild alias), which loads the addon embedded in the executable.
import koffi from "koffi";

export { koffi };
