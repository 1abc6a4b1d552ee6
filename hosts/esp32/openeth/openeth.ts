// The OpenCores Ethernet of QEMU's ESP32-C3 machine (openeth.c).
export const startEthernet = native("xs_openeth_start") as () => void;
export const ethernetAddress = native("xs_openeth_address") as () => string | undefined;
