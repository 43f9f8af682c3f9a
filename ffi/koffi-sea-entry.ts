// What `import koffi from "koffi"` resolves to inside the single executable.
import { koffi } from "./koffi-sea.ts";
export default koffi;
