/** Zero-delay yield to the event loop (setTimeout would clamp to 4 ms and cost a tenth of the throughput). */
export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}
