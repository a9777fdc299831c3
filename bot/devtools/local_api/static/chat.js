// The local chat page: a seller and a buyer talking to the bot through the local Bot API
// server's JSON API (/local/...). Bot text is always set with textContent, never parsed as HTML.
"use strict";

const DEFAULT_IDENTITIES = {
  seller: { first_name: "Ana", id: 1001, language_code: "es" },
  buyer: { first_name: "Luis", id: 2001, language_code: "es" },
};
const LONG_POLL_SECONDS = 25;
const TYPING_POLL_MS = 1000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

async function api(path, options = {}) {
  const init = { method: options.method || "GET", headers: {}, signal: options.signal };
  if (options.body !== undefined) {
    init.method = options.method || "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  const response = await fetch(path, init);
  let body = null;
  try {
    body = await response.json();
  } catch (_) {
    body = null;
  }
  if (!response.ok) {
    const reason = body && body.error ? body.error : `HTTP ${response.status}`;
    throw new Error(reason);
  }
  return body;
}

function isSafeUrl(url) {
  return /^(https?:|tg:)/i.test(url || "");
}

class ChatPane {
  constructor(root, role) {
    this.root = root;
    this.role = role;
    root.append(document.getElementById("pane-template").content.cloneNode(true));
    this.list = root.querySelector(".messages");
    this.typing = root.querySelector(".typing");
    this.keyboard = root.querySelector(".reply-keyboard");
    this.error = root.querySelector(".error");
    this.identityForm = root.querySelector(".identity");
    this.composer = root.querySelector(".composer");
    root.querySelector(".pane-title").textContent = root.dataset.title;
    this.identity = this.loadIdentity();
    this.fillIdentityForm();
    this.identityForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.useIdentity(this.readIdentityForm());
    });
    this.composer.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendFromComposer();
    });
    this.composer.elements.photo.addEventListener("change", () => this.showChosenPhoto());
    // Replying to a message, as Telegram's "Reply": the next text carries reply_to_message_id.
    this.replying = root.querySelector(".replying");
    this.replyTo = null;
    root.querySelector(".cancel-reply").addEventListener("click", () => this.replyToMessage(null));
    this.generation = 0;
    this.polling = null;
  }

  loadIdentity() {
    try {
      const saved = JSON.parse(localStorage.getItem(`marketbot.${this.role}`));
      if (saved && saved.id && saved.first_name) return saved;
    } catch (_) { /* a corrupt entry falls back to the default */ }
    return { ...DEFAULT_IDENTITIES[this.role] };
  }

  fillIdentityForm() {
    const form = this.identityForm.elements;
    form.first_name.value = this.identity.first_name;
    form.id.value = this.identity.id;
    form.language_code.value = this.identity.language_code;
  }

  readIdentityForm() {
    const form = this.identityForm.elements;
    return {
      first_name: form.first_name.value.trim(),
      id: Number.parseInt(form.id.value, 10),
      language_code: form.language_code.value,
    };
  }

  useIdentity(identity) {
    if (!identity.first_name || !(identity.id > 0)) {
      this.showError("Pick a name and a positive numeric id.");
      return;
    }
    this.identity = identity;
    localStorage.setItem(`marketbot.${this.role}`, JSON.stringify(identity));
    this.fillIdentityForm();
    this.start();
  }

  // (Re)start following this identity's chat from its first message.
  start() {
    // abort the previous identity's long poll: browsers allow only a few connections per host
    if (this.polling) this.polling.abort();
    this.polling = new AbortController();
    this.generation += 1;
    this.after = 0;
    this.cursor = null;
    this.list.replaceChildren();
    this.keyboard.replaceChildren();
    this.keyboard.hidden = true;
    this.replyToMessage(null);
    this.hideError();
    this.followMessages(this.generation);
    this.followTyping(this.generation);
  }

  async followMessages(generation) {
    while (generation === this.generation) {
      const query = new URLSearchParams({
        chat_id: this.identity.id,
        after: this.after,
        wait: LONG_POLL_SECONDS,
        include_user: 1,
      });
      if (this.cursor !== null) query.set("since", this.cursor);
      try {
        const body = await api(`/local/messages?${query}`, { signal: this.polling.signal });
        if (generation !== this.generation) return;
        if (this.cursor !== null && body.cursor < this.cursor) {
          this.start(); // the server was reset (e.g. by a replay): follow the new chat
          return;
        }
        for (const message of body.messages) this.render(message);
        this.cursor = body.cursor;
      } catch (error) {
        if (generation !== this.generation) return;
        this.showError(`Lost the server: ${error.message}`);
        await sleep(2000);
      }
    }
  }

  async followTyping(generation) {
    while (generation === this.generation) {
      try {
        const body = await api(`/local/chat_actions?chat_id=${this.identity.id}`);
        this.typing.hidden = body.active === null;
      } catch (_) {
        this.typing.hidden = true;
      }
      await sleep(TYPING_POLL_MS);
    }
  }

  render(message) {
    this.after = Math.max(this.after, message.message_id);
    const item = el("li", `message ${message.from_bot ? "from-bot" : "from-user"}`);
    item.dataset.messageId = message.message_id;
    if (message.reply_to) item.append(el("blockquote", "quote", message.reply_to.text));
    if (message.has_photo || message.kind === "sticker") {
      const image = el("img", "photo");
      image.alt = message.kind === "sticker" ? "sticker" : "photo";
      image.src = `/local/files/${encodeURIComponent(message.file_id)}`;
      item.append(image);
    } else if (message.kind === "voice" || message.kind === "document") {
      item.append(el("p", "attachment", message.kind === "voice" ? "🎤 voice message" : `📄 ${message.file_name || "document"}`));
    }
    if (message.text) item.append(el("p", "text", message.text));
    if (message.buttons.length) item.append(this.renderButtons(message));
    const meta = el("span", "meta", new Date(message.date * 1000).toLocaleTimeString());
    if (message.edited) meta.append(el("span", "edited", " · edited"));
    item.append(meta);
    const reply = el("button", "reply-action", "↩ Reply");
    reply.type = "button";
    reply.title = "Reply to this message";
    reply.addEventListener("click", () => this.replyToMessage(message));
    item.append(reply);

    const existing = this.list.querySelector(`[data-message-id="${message.message_id}"]`);
    if (existing) {
      existing.replaceWith(item);
    } else {
      this.list.append(item);
      item.scrollIntoView({ block: "end" });
    }
    if (message.from_bot && message.reply_keyboard.length) this.renderReplyKeyboard(message.reply_keyboard);
  }

  renderButtons(message) {
    const rows = el("div", "buttons");
    for (const row of message.buttons) {
      const line = el("div", "button-row");
      for (const button of row) {
        if (button.url && isSafeUrl(button.url)) {
          const link = el("a", "button", button.text);
          link.href = button.url;
          link.target = "_blank";
          link.rel = "noopener noreferrer";
          line.append(link);
        } else {
          const press = el("button", "button", button.text);
          press.type = "button";
          press.disabled = button.callback_data === null;
          press.addEventListener("click", () => this.press(message.message_id, button.callback_data));
          line.append(press);
        }
      }
      rows.append(line);
    }
    return rows;
  }

  renderReplyKeyboard(rows) {
    this.keyboard.replaceChildren();
    for (const row of rows) {
      const line = el("div", "button-row");
      for (const text of row) {
        const key = el("button", "button", text);
        key.type = "button";
        key.addEventListener("click", () => this.push({ text }));
        line.append(key);
      }
      this.keyboard.append(line);
    }
    this.keyboard.hidden = false;
  }

  replyToMessage(message) {
    this.replyTo = message ? message.message_id : null;
    this.replying.querySelector(".replying-text").textContent = message ? message.text : "";
    this.replying.hidden = !message;
    if (message) this.composer.elements.text.focus();
  }

  showChosenPhoto() {
    const file = this.composer.elements.photo.files[0];
    this.composer.querySelector(".attach").classList.toggle("chosen", Boolean(file));
    this.composer.elements.text.placeholder = file
      ? `Caption for ${file.name} (optional)…`
      : "Write a message…";
  }

  async sendFromComposer() {
    const textInput = this.composer.elements.text;
    const fileInput = this.composer.elements.photo;
    const text = textInput.value;
    const file = fileInput.files[0];
    if (file) {
      const data = await readAsDataUrl(file);
      const payload = { photo_base64: data };
      if (text.trim()) payload.caption = text;
      if (await this.push(payload)) {
        textInput.value = "";
        fileInput.value = "";
        this.showChosenPhoto();
      }
    } else if (text.trim()) {
      const payload = { text };
      if (this.replyTo !== null) payload.reply_to_message_id = this.replyTo;
      if (await this.push(payload)) {
        textInput.value = "";
        this.replyToMessage(null);
      }
    }
  }

  press(messageId, callbackData) {
    return this.push({ callback_data: callbackData, message_id: messageId });
  }

  async push(content) {
    try {
      await api("/local/updates", { body: { user: this.identity, ...content } });
      this.hideError();
      return true;
    } catch (error) {
      this.showError(error.message);
      return false;
    }
  }

  showError(text) {
    this.error.textContent = text;
    this.error.hidden = false;
  }

  hideError() {
    this.error.hidden = true;
  }
}

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

// Sample data: whatever the injected loader returns; products need a title and a payload.
function showSampleData(result, panes) {
  const section = document.getElementById("sample");
  const list = document.getElementById("sample-products");
  const sellers = document.getElementById("sample-sellers");
  list.replaceChildren();
  sellers.replaceChildren();
  for (const seller of result.sellers || []) {
    const identity = {
      first_name: seller.first_name || seller.name || "Seller",
      id: Number(seller.telegram_id || seller.id),
      language_code: seller.language_code || seller.language || "es",
    };
    const use = el("button", "secondary", `Chat as seller ${identity.first_name} (${identity.id})`);
    use.type = "button";
    use.addEventListener("click", () => panes.seller.useIdentity(identity));
    sellers.append(use);
  }
  // a list of products, or (the app's loader) a mapping of title -> {id, start}
  const products = Array.isArray(result.products)
    ? result.products
    : Object.entries(result.products || {}).map(([title, product]) => ({ title, ...product }));
  for (const product of products) {
    const payload = product.payload || product.deep_link_payload || product.start_payload
      || product.start;
    const item = el("li", "sample-product");
    item.append(el("strong", null, product.title || "(untitled)"));
    if (product.price !== undefined) {
      item.append(el("span", "price", `${product.price} ${product.currency || ""}`.trim()));
    }
    item.append(el("code", "payload", payload || "(no payload)"));
    const open = el("button", null, "Open as buyer");
    open.type = "button";
    open.disabled = !payload;
    open.addEventListener("click", () => panes.buyer.push({ text: `/start ${payload}` }));
    item.append(open);
    list.append(item);
  }
  if (!list.children.length) list.append(el("li", "hint", "The loader returned no products."));
  section.hidden = false;
}

function showPageError(text) {
  const box = document.getElementById("page-error");
  box.textContent = text;
  box.hidden = !text;
}

function main() {
  const panes = {
    seller: new ChatPane(document.getElementById("seller"), "seller"),
    buyer: new ChatPane(document.getElementById("buyer"), "buyer"),
  };
  panes.seller.start();
  panes.buyer.start();

  document.getElementById("load-sample").addEventListener("click", async () => {
    try {
      showSampleData(await api("/local/sample-data", { body: {} }), panes);
      showPageError("");
    } catch (error) {
      showPageError(`Sample data: ${error.message}`);
    }
  });
  document.getElementById("reset").addEventListener("click", async () => {
    try {
      await api("/local/reset", { body: {} });
      panes.seller.start();
      panes.buyer.start();
      showPageError("");
    } catch (error) {
      showPageError(`Reset: ${error.message}`);
    }
  });
}

document.addEventListener("DOMContentLoaded", main);
