// Moddable's legacy `mqtt` client (modules/network/mqtt/mqtt.js): the SDK ships no typing.
declare module "mqtt" {
  export interface MqttWill {
    topic: string;
    message: string | ArrayBuffer;
    retain?: boolean;
    quality?: number;
  }
  export interface MqttOptions {
    host: string;
    port?: number;
    id?: string;
    user?: string;
    password?: string;
    will?: MqttWill;
    /** Keep-alive in ms; 0 for none. */
    timeout?: number;
    /** A socket class such as SecureSocket, for TLS. */
    Socket?: unknown;
    secure?: Record<string, unknown>;
    path?: string;
  }
  class Client {
    constructor(options: MqttOptions);
    onReady?: () => void;
    onMessage?: (topic: string, payload: ArrayBuffer) => void;
    onClose?: () => void;
    publish(topic: string, data: string | ArrayBuffer, flags?: { retain?: boolean; quality?: number }): void;
    subscribe(topic: string): void;
    unsubscribe(topic: string): void;
    close(immediate?: boolean): void;
  }
  export default Client;
}
