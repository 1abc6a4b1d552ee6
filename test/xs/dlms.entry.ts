// XS worker for the DLMS and SML decoders: decodes the bytes it is sent (one capture per command)
// and replies with the `metertap decode` lines, one per frame or APDU.
import { decodeAll } from "../../modules/decode/decoder.js";
import { toContractJson } from "../../modules/reading/model.js";
import { serve } from "./serve.js";

serve((input) => {
  const bytes = new Uint8Array(input.length);
  for (let i = 0; i < input.length; i++) bytes[i] = input.charCodeAt(i);
  return decodeAll(bytes).map(toContractJson).join("\n");
});
