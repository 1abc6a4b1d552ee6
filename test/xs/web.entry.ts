// XS worker: the local page's routes after a firmware run (test/xs/web-scenario.ts).
import { webScenario } from "./web-scenario.js";
import { serve } from "./serve.js";

serve(webScenario);
