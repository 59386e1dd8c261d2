// Installed in the page before it loads (page.add_init_script): records every
// WebSocket the page opens (URL, close code) and offers a tiny kernel client so
// that a test can talk to the dashboard's kernel from the page itself, exactly as
// a viewer with the browser's developer tools could.
(() => {
  const Native = window.WebSocket;
  const sockets = [];
  window.__wbSockets = sockets;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      const entry = { url: String(url), socket: this, closeCode: null };
      sockets.push(entry);
      this.addEventListener("close", (event) => { entry.closeCode = event.code; });
    }
  };

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const newId = () => "wb-test-" + Math.random().toString(16).slice(2) + Date.now().toString(16);

  const K = {
    sleep,
    newId,
    // the kernel channel socket of the page (the last one opened)
    pageSocket() {
      const channels = sockets.filter((e) => /\/api\/kernels\/[^/]+\/channels/.test(e.url));
      if (!channels.length) throw new Error("the page opened no kernel websocket");
      return channels[channels.length - 1];
    },
    message(msgType, content) {
      return {
        header: {
          msg_id: newId(), msg_type: msgType, username: "viewer", session: newId(),
          date: new Date().toISOString(), version: "5.3",
        },
        parent_header: {}, metadata: {}, content, buffers: [],
      };
    },
    // serialize for the socket's protocol: v1 binary framing, or legacy JSON text
    encode(channel, msg, protocol) {
      if (protocol !== "v1.kernel.websocket.jupyter.org") {
        return JSON.stringify({ ...msg, channel });
      }
      const enc = new TextEncoder();
      const parts = [channel, msg.header, msg.parent_header, msg.metadata, msg.content].map(
        (p, i) => enc.encode(i === 0 ? p : JSON.stringify(p)));
      const offsets = [];
      let position = 8 * (parts.length + 2);
      for (const p of parts) { offsets.push(position); position += p.length; }
      offsets.push(position);
      const buffer = new ArrayBuffer(position);
      const view = new DataView(buffer);
      view.setBigUint64(0, BigInt(offsets.length), true);
      offsets.forEach((o, i) => view.setBigUint64(8 * (i + 1), BigInt(o), true));
      parts.forEach((p, i) => new Uint8Array(buffer, offsets[i], p.length).set(p));
      return buffer;
    },
    // -> {type, parent, status} or null for frames this client does not read
    async decode(data, protocol) {
      if (typeof data === "string") {
        const m = JSON.parse(data);
        return { type: m.header.msg_type, parent: (m.parent_header || {}).msg_id, status: (m.content || {}).status };
      }
      if (protocol !== "v1.kernel.websocket.jupyter.org") return null;
      const buffer = data instanceof Blob ? await data.arrayBuffer() : data;
      const view = new DataView(buffer);
      const n = Number(view.getBigUint64(0, true));
      const offsets = [];
      for (let i = 0; i < n; i++) offsets.push(Number(view.getBigUint64(8 * (i + 1), true)));
      const dec = new TextDecoder();
      const part = (i) => JSON.parse(dec.decode(new Uint8Array(buffer, offsets[i], offsets[i + 1] - offsets[i])));
      const header = part(1), parent = part(2), content = part(4);
      return { type: header.msg_type, parent: parent.msg_id, status: content.status };
    },
    // a new connection to the page's kernel, with its own session (legacy JSON protocol)
    async connect() {
      const url = new URL(K.pageSocket().url);
      url.searchParams.set("session_id", newId());
      const ws = new WebSocket(url.toString());
      await new Promise((resolve, reject) => {
        ws.addEventListener("open", resolve, { once: true });
        ws.addEventListener("error", () => reject(new Error("cannot connect to " + url)), { once: true });
      });
      return ws;
    },
    // collect what the socket receives until stop() is called
    listen(ws) {
      const received = [];
      const onMessage = async (event) => {
        const m = await K.decode(event.data, ws.protocol);
        if (m) received.push(m);
      };
      ws.addEventListener("message", onMessage);
      return { received, stop: () => ws.removeEventListener("message", onMessage) };
    },
    async waitFor(predicate, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (predicate()) return true;
        await sleep(50);
      }
      return predicate();
    },
  };
  window.__wbKernel = K;
})();
