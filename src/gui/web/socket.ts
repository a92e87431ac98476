// The page's link to the Party Pool program on this computer (never to the chat server): one
// WebSocket to the origin that served the page. If the program restarts its socket (or the tab
// slept), the link comes back by itself and the first frame redraws everything.
import type { BridgeEvent, PageMessage } from '../protocol.js';

export interface BridgeSocket<Out = PageMessage> {
  send(message: Out): boolean;
  /** An upload's bytes (binary message). */
  sendBinary(data: Uint8Array): boolean;
  /** Bytes handed to the socket and not yet sent. */
  buffered(): number;
  /** Stop reconnecting (the program said goodbye). */
  stop(): void;
}

/** The program's frames have a string `type`; anything else is dropped. */
const hasType = (value: unknown): boolean => typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';

/** The link to this page's program: `In` is what the program sends (the chat's events by default), `Out` what the page sends. */
export function connectBridge<In = BridgeEvent, Out = PageMessage>(onEvent: (event: In) => void, onDown: () => void): BridgeSocket<Out> {
  let socket: WebSocket | undefined;
  let stopped = false;
  let delay = 500;
  const open = (): void => {
    const ws = new WebSocket(`ws://${location.host}/ws`);
    socket = ws;
    ws.addEventListener('open', () => (delay = 500));
    ws.addEventListener('message', (message: MessageEvent<unknown>) => {
      if (typeof message.data !== 'string') return;
      let value: unknown;
      try {
        value = JSON.parse(message.data);
      } catch {
        return;
      }
      if (hasType(value)) onEvent(value as In);
    });
    ws.addEventListener('close', () => {
      if (socket !== ws) return;
      socket = undefined;
      if (stopped) return;
      onDown();
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 5000);
    });
  };
  open();
  return {
    send: (message) => {
      if (!socket || socket.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(message));
      return true;
    },
    sendBinary: (data) => {
      if (!socket || socket.readyState !== WebSocket.OPEN) return false;
      socket.send(data);
      return true;
    },
    buffered: () => socket?.bufferedAmount ?? 0,
    stop: () => {
      stopped = true;
    },
  };
}
