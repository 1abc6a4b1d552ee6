// XS worker: runs the state-log workload (changes, power cuts, remounts) and replies with its output.
import { stateWorkload } from "../state-workload.js";
import { serve } from "./serve.js";

serve(stateWorkload);
