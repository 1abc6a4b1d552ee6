// XS worker: runs the history workload (store, power cut, remount, queries) and replies with its output.
import { historyWorkload } from "../history-workload.js";
import { serve } from "./serve.js";

serve(historyWorkload);
