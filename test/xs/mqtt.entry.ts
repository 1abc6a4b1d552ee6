// XS worker for test/mqtt-xs.test.ts.
import { mqttScenario } from "./mqtt-scenario.js";
import { serve } from "./serve.js";

serve(() => mqttScenario());
