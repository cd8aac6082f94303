// Curbside chat page: streams /v1/chat/completions and renders the Markdown answer safely.
//
// Safety: no server or user text is ever parsed as HTML. The renderer builds DOM nodes and puts
// all text in with textContent / text nodes (stricter than escaping then using innerHTML); only
// **bold**, *italic*, ### headings, "- " list items, [n] markers and http(s) links become elements.
'use strict';

(function () {
  const $ = (sel) => document.querySelector(sel);
  const thread = $('#thread');
  const composer = $('#composer');
  const input = $('#question');
  const sendButton = $('#send');
  const label = $('#question-label');
  const keyForm = $('#key-form');
  const keyInput = $('#key-input');
  const keyButton = $('#key-button');

  const state = {
    model: 'curbside',
    messages: [], // OpenAI-style history sent with every question (keeps follow-ups in context)
    key: sessionStorage.getItem('curbside-key') || '',
    busy: false,
  };

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class') node.className = value;
      else if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child); // strings become text nodes, never markup
    }
    return node;
  }

  function safeUrl(url) {
    return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
  }

  function headers() {
    const h = { 'Content-Type': 'application/json', Accept: 'text/event-stream' };
    if (state.key) h.Authorization = 'Bearer ' + state.key;
    return h;
  }

  // ---------------------------------------------------------------- Markdown (safe subset)
  const INLINE = /\*\*([^*]+)\*\*|\*([^*\s][^*]*?)\*|\[(\d{1,3})\]|(https?:\/\/[^\s<>"')\]]+)/g;

  function renderInline(text, parent) {
    let last = 0;
    for (const m of text.matchAll(INLINE)) {
      if (m.index > last) {
        let before = text.slice(last, m.index);
        // Keep a reference marker on the line of the word it follows.
        if (m[3] !== undefined && before.endsWith(' ')) before = before.slice(0, -1) + '\u00a0';
        parent.append(before);
      }
      if (m[1] !== undefined) {
        parent.append(el('strong', { text: m[1] }));
      } else if (m[2] !== undefined) {
        const em = el('em');
        renderInline(m[2], em);
        parent.append(em);
      } else if (m[3] !== undefined) {
        parent.append(el('button', {
          type: 'button', class: 'cite', 'data-ref': m[3], title: 'Show cited passage ' + m[3],
          'aria-label': 'Show cited passage ' + m[3], text: m[3],
        }));
      } else {
        let url = m[4];
        const trail = url.match(/[.,;:]+$/);
        if (trail) url = url.slice(0, -trail[0].length);
        parent.append(el('a', { href: url, target: '_blank', rel: 'noopener noreferrer', text: url }));
        if (trail) parent.append(trail[0]);
      }
      last = m.index + m[0].length;
    }
    if (last < text.length) parent.append(text.slice(last));
  }

  // Renders Markdown into `target`. With `stopAtReferences`, the "### References" section is left
  // out (the structured reference list replaces it once the answer is complete).
  function renderMarkdown(markdown, target, stopAtReferences) {
    target.replaceChildren();
    let list = null;
    for (const line of markdown.split('\n')) {
      if (line.startsWith('### ')) {
        const title = line.slice(4).trim();
        if (stopAtReferences && title === 'References') break;
        list = null;
        target.append(el('h3', { text: title }));
      } else if (line.startsWith('- ')) {
        if (!list) { list = el('ul'); target.append(list); }
        const li = el('li', { 'data-line': line });
        renderInline(line.slice(2), li);
        list.append(li);
      } else if (line.trim() === '') {
        list = null;
      } else {
        list = null;
        const p = el('p', { 'data-line': line });
        if (line.startsWith('**Bottom line:**')) p.className = 'bottom-line';
        else if (line.startsWith('**Not answered')) p.className = 'abstained';
        else if (line.startsWith('*Patient context considered')) p.className = 'context';
        else if (/^\*.*\*$/.test(line)) p.className = 'note';
        else if (/^\[\d+\] /.test(line)) p.className = 'ref-line';
        renderInline(line, p);
        target.append(p);
      }
    }
  }

  // ---------------------------------------------------------------- Evidence lookup
  function normalise(text) {
    return text
      .replace(/\[\d+\]/g, '')
      .replace(/\*\(unverified\)\*/g, '')
      .replace(/^\s*-\s+/, '')
      .replace(/^\*\*Bottom line:\*\*/, '')
      .replace(/\s+/g, ' ')
      .trim();
  }

  function statementsOf(answer) {
    const out = answer.bottom_line ? [answer.bottom_line] : [];
    for (const section of answer.sections || []) out.push(...section.statements);
    return out;
  }

  function findCitation(answer, ref, line) {
    const statements = statementsOf(answer);
    if (line) {
      const wanted = normalise(line);
      const st = statements.find((s) => normalise(s.text) === wanted);
      const cite = st && st.citations.find((c) => c.ref === ref);
      if (cite) return cite;
    }
    for (const s of statements) {
      const cite = s.citations.find((c) => c.ref === ref);
      if (cite) return cite;
    }
    return null;
  }

  // Shows the cited passage of reference `ref` right under `anchor` (the clicked statement or
  // reference); `line` is the statement's Markdown, used to pick that statement's own citation.
  function showEvidence(card, ref, line, anchor) {
    const answer = card.answer;
    const panel = card.querySelector('.evidence');
    if (!answer) return;
    const reference = (answer.references || []).find((r) => r.number === ref);
    const cite = findCitation(answer, ref, line);
    const passage = cite && (answer.passages || []).find((p) => p.chunk.chunk_id === cite.chunk_id);
    panel.replaceChildren();
    const close = el('button', { type: 'button', class: 'close', 'aria-label': 'Close', text: '×' });
    close.addEventListener('click', () => { panel.hidden = true; });
    const head = el('div', { class: 'evidence-head' },
      el('span', { class: 'ref-num', text: String(ref) }),
      reference ? el('span', { class: 'badge ' + reference.kind, text: reference.label }) : null,
      el('span', { class: 'evidence-title', text: reference ? reference.title : 'Reference ' + ref }),
      close);
    panel.append(head);
    const meta = [];
    if (reference && reference.publisher) meta.push(reference.publisher);
    if (reference && reference.year) meta.push(String(reference.year));
    if (passage && passage.chunk.section && passage.chunk.section.length) meta.push(passage.chunk.section.join(' › '));
    if (passage && passage.chunk.page_start) meta.push('p. ' + passage.chunk.page_start);
    if (meta.length) panel.append(el('p', { class: 'evidence-meta', text: meta.join(' · ') }));
    const quote = el('blockquote', { 'data-testid': 'evidence-quote' });
    if (passage && cite && passage.chunk.text.slice(cite.start, cite.end) === cite.quote) {
      const text = passage.chunk.text;
      quote.append(text.slice(0, cite.start), el('mark', { text: cite.quote }), text.slice(cite.end));
    } else if (cite) {
      quote.append(el('mark', { text: cite.quote }));
    } else {
      quote.append('No passage of this answer cites reference ' + ref + '.');
    }
    panel.append(quote);
    const url = reference && safeUrl(reference.url);
    if (url) panel.append(el('a', { class: 'source-link', href: url, target: '_blank', rel: 'noopener noreferrer', text: 'Open the source ↗' }));
    if (anchor && anchor.tagName === 'LI') anchor.append(panel);
    else if (anchor) anchor.after(panel);
    panel.hidden = false;
    card.querySelectorAll('.cite.active, .ref.active').forEach((n) => n.classList.remove('active'));
    panel.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }

  function renderReferences(card, answer) {
    const box = card.querySelector('.references');
    box.replaceChildren();
    if (!answer.references || !answer.references.length) { box.hidden = true; return; }
    box.append(el('h3', { text: 'References' }));
    const list = el('ol', { class: 'ref-list' });
    for (const r of answer.references) {
      const meta = [r.publisher, r.year].filter(Boolean).join(', ');
      const item = el('li', { class: 'ref', 'data-ref': r.number, 'data-testid': 'reference' },
        el('button', { type: 'button', class: 'cite', 'data-ref': r.number, 'aria-label': 'Show cited passage ' + r.number, text: String(r.number) }),
        el('span', { class: 'badge ' + r.kind, 'data-testid': 'reference-label', text: r.label }),
        el('span', { class: 'ref-body' },
          el('span', { class: 'ref-title', text: r.title }),
          meta ? el('span', { class: 'ref-meta', text: meta }) : null,
          safeUrl(r.url) ? el('a', { class: 'ref-url', href: r.url, target: '_blank', rel: 'noopener noreferrer', text: 'source ↗' }) : null));
      list.append(item);
    }
    box.append(list);
    box.hidden = false;
  }

  // ---------------------------------------------------------------- Conversation
  function addUserTurn(text) {
    thread.append(el('div', { class: 'turn user' }, el('div', { class: 'bubble', text })));
  }

  function addAnswerCard() {
    const body = el('div', { class: 'answer-body', 'data-testid': 'answer' });
    const card = el('article', { class: 'turn assistant card streaming', 'data-chunks': '0' },
      el('div', { class: 'status', text: 'Searching the indexed sources…' }),
      body,
      el('aside', { class: 'evidence', 'data-testid': 'evidence', hidden: true }),
      el('section', { class: 'references', hidden: true }));
    card.addEventListener('click', (event) => {
      const button = event.target.closest('.cite');
      if (!button || !card.contains(button)) return;
      if (!card.answer) return; // still streaming
      const host = button.closest('[data-line]');
      const anchor = button.closest('li, p');
      const panel = card.querySelector('.evidence');
      if (!panel.hidden && button.classList.contains('active')) { panel.hidden = true; button.classList.remove('active'); return; }
      showEvidence(card, Number(button.dataset.ref), host ? host.dataset.line : null, anchor);
      button.classList.add('active');
    });
    thread.append(card);
    return card;
  }

  function showError(card, message) {
    card.classList.remove('streaming');
    card.classList.add('failed');
    card.querySelector('.status').textContent = message;
  }

  async function errorMessage(response) {
    try {
      const body = await response.json();
      if (body && body.error && body.error.message) return body.error.message;
    } catch (_) { /* not JSON */ }
    return 'The server answered ' + response.status + '.';
  }

  async function ask(question) {
    if (state.busy) return;
    state.busy = true;
    sendButton.disabled = true;
    $('#intro')?.remove();
    addUserTurn(question);
    const card = addAnswerCard();
    card.scrollIntoView({ block: 'start', behavior: 'smooth' });
    const messages = [...state.messages, { role: 'user', content: question }];
    let text = '';
    let chunks = 0;
    let answer = null;
    let pending = 0;
    const body = card.querySelector('.answer-body');
    const paint = () => { pending = 0; renderMarkdown(text, body, false); };
    try {
      const response = await fetch('/v1/chat/completions', {
        method: 'POST', headers: headers(),
        body: JSON.stringify({ model: state.model, messages, stream: true }),
      });
      if (!response.ok) {
        if (response.status === 401) showKeyForm();
        showError(card, await errorMessage(response));
        return;
      }
      card.querySelector('.status').textContent = 'Writing the answer…';
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      let done = false;
      while (!done) {
        const { value, done: finished } = await reader.read();
        if (finished) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          for (const line of event.split('\n')) {
            if (!line.startsWith('data: ')) continue;
            const data = line.slice(6);
            if (data === '[DONE]') { done = true; break; }
            const chunk = JSON.parse(data);
            if (chunk.error) throw new Error(chunk.error.message || 'stream error');
            chunks += 1;
            card.dataset.chunks = String(chunks);
            const choice = chunk.choices && chunk.choices[0];
            if (choice && choice.delta && choice.delta.content) {
              text += choice.delta.content;
              if (!pending) pending = requestAnimationFrame(paint);
            }
            if (chunk.curbside) answer = chunk.curbside;
          }
        }
      }
      if (!answer) throw new Error('The answer ended early; please try again.');
      if (pending) cancelAnimationFrame(pending);
      pending = 0;
      card.answer = answer;
      renderMarkdown(text, body, true);
      renderReferences(card, answer);
      card.classList.remove('streaming');
      card.classList.toggle('abstained-card', Boolean(answer.abstained));
      card.querySelector('.status').textContent = answer.abstained
        ? 'Not answered by the indexed sources'
        : 'Answer · ' + answer.references.length + ' sources';
      card.dataset.done = 'true';
      state.messages = [...messages, { role: 'assistant', content: text }];
      label.textContent = 'Follow-up question';
      input.placeholder = 'Ask a follow-up, e.g. “What about canakinumab instead?”';
    } catch (err) {
      showError(card, err && err.message ? err.message : 'Something went wrong.');
    } finally {
      state.busy = false;
      sendButton.disabled = false;
      input.focus();
    }
  }

  // ---------------------------------------------------------------- Wiring
  function showKeyForm() {
    keyForm.hidden = false;
    keyButton.hidden = false;
    keyInput.focus();
  }

  keyForm.addEventListener('submit', (event) => {
    event.preventDefault();
    state.key = keyInput.value.trim();
    sessionStorage.setItem('curbside-key', state.key);
    keyForm.hidden = true;
    loadModel();
  });
  keyButton.addEventListener('click', () => { keyForm.hidden = !keyForm.hidden; });

  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    input.value = '';
    ask(question);
  });

  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });

  thread.addEventListener('click', (event) => {
    const example = event.target.closest('.example');
    if (example) ask(example.textContent.trim());
  });

  $('#new-conversation').addEventListener('click', () => {
    state.messages = [];
    thread.replaceChildren();
    label.textContent = 'Question';
    input.placeholder = 'e.g. Is it safe to start anakinra in a patient on tacrolimus?';
    input.focus();
  });

  async function loadModel() {
    try {
      const response = await fetch('/v1/models', { headers: headers() });
      if (response.status === 401) { showKeyForm(); return; }
      const body = await response.json();
      if (body.data && body.data.length) state.model = body.data[0].id;
    } catch (_) { /* keep the default model id */ }
  }

  loadModel();
  input.focus();
})();
