// The page's own button drives the third playground through Warren's host
// API (docs/embedding.md): it asks the web shop to publish, and lists what
// the playground reports back. Text from the playground is shown as text.
const frame = document.getElementById('moment-3');
const button = document.getElementById('place-order');
const status = document.getElementById('host-status');
const events = document.getElementById('host-events');
const origin = new URL(frame.src, location.href).origin;
let next = 1;

addEventListener('message', (e) => {
  if (e.source !== frame.contentWindow || e.data?.warren !== 1) return;
  const m = e.data;
  if (m.type === 'ready') {
    button.disabled = false;
    status.textContent = 'ready';
  } else if (m.type === 'error') {
    status.textContent = `refused: ${m.error}`;
  } else if (['delivered', 'acked', 'dead-lettered', 'dropped'].includes(m.type)) {
    const li = document.createElement('li');
    li.textContent = `${(m.at / 1000).toFixed(3)} s  ${m.type}  ${m.routing_key ?? ''} from ${m.queue ?? '(no queue)'}`
      + (m.consumer ? ` to ${m.consumer}` : '');
    events.append(li);
    events.scrollTop = events.scrollHeight;
  }
});

button.addEventListener('click', () => {
  frame.contentWindow.postMessage({ warren: 1, type: 'publish', producer: 'web shop', id: next++ }, origin);
});
