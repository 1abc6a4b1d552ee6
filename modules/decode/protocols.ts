// Every protocol the decoder knows, in one list. A new protocol family adds one line here.
import type { ProtocolFactory } from "./protocol.js";
import { dsmrProtocol } from "../dsmr/protocol.js";
import { dlmsProtocol } from "../dlms/protocol.js";
import { smlProtocol } from "../sml/protocol.js";
import { securityProtocol } from "../security/protocol.js";

export const PROTOCOLS: readonly ProtocolFactory[] = [
  dsmrProtocol,
  dlmsProtocol,
  smlProtocol,
  securityProtocol,
];
