// XS worker for test/publish-xs.test.ts.
import { publishScenario } from "./publish-scenario.js";
import { serve } from "./serve.js";

serve(publishScenario);
