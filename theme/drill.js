// The drill on the "Practise for the interview" page (src/practice.md).
//
// The build (xtask/src/preprocess.rs) puts every chapter's self-check
// questions on that page as a plain list: one `.drill-card` per question,
// with its answer folded in a <details>. Without JavaScript, and on the print
// page, that list is what the reader gets. This script turns it into a
// drill: one question at a time in random order, the answer shown on demand,
// "Knew it" or "Again", a progress count kept in localStorage, and a chapter
// filter. Keys (when no form control has the focus): Space shows the answer,
// K knew it, A again, N next question. book.js loads this on every page; it
// does nothing where there are no cards.

(() => {
    const cards = Array.from(document.querySelectorAll('main .drill-card'));
    if (cards.length === 0 || /\/print\.html$/.test(location.pathname)) {
        return;
    }
    const KEY = 'thread-vs-process-drill';
    const load = () => {
        try {
            const saved = JSON.parse(localStorage.getItem(KEY) ?? '{}');
            return { known: saved.known ?? {}, chapter: saved.chapter ?? '' };
        } catch {
            return { known: {}, chapter: '' };
        }
    };
    const state = load();
    const save = () => {
        try {
            localStorage.setItem(KEY, JSON.stringify(state));
        } catch {
            // Private windows may refuse: the drill still works for this visit.
        }
    };

    // The controls, before the first chapter heading of the list.
    const first = document.querySelector('main .drill-chapter') ?? cards[0];
    const panel = document.createElement('section');
    panel.className = 'drill';
    panel.setAttribute('aria-label', 'Drill');
    const chapters = [];
    for (const c of cards) {
        if (!chapters.some((x) => x.id === c.dataset.chapter)) {
            chapters.push({ id: c.dataset.chapter, title: c.dataset.chapterTitle });
        }
    }
    panel.innerHTML = `
        <div class="drill-bar">
            <label>Chapter <select class="drill-filter"><option value="">All chapters</option></select></label>
            <span class="drill-progress" role="status" aria-live="polite"></span>
        </div>
        <div class="drill-stage"></div>
        <div class="drill-buttons">
            <button type="button" class="drill-show" aria-keyshortcuts="Space">Show answer</button>
            <button type="button" class="drill-knew" aria-keyshortcuts="K">Knew it</button>
            <button type="button" class="drill-again" aria-keyshortcuts="A">Again</button>
            <button type="button" class="drill-next" aria-keyshortcuts="N">Next question</button>
            <button type="button" class="drill-reset">Start over</button>
        </div>`;
    const select = panel.querySelector('.drill-filter');
    for (const ch of chapters) {
        const o = document.createElement('option');
        o.value = ch.id;
        o.textContent = ch.title;
        select.append(o);
    }
    select.value = chapters.some((c) => c.id === state.chapter) ? state.chapter : '';
    first.before(panel);
    document.querySelector('main').classList.add('drill-on');

    const stage = panel.querySelector('.drill-stage');
    const progress = panel.querySelector('.drill-progress');
    const buttons = {
        show: panel.querySelector('.drill-show'),
        knew: panel.querySelector('.drill-knew'),
        again: panel.querySelector('.drill-again'),
        next: panel.querySelector('.drill-next'),
        reset: panel.querySelector('.drill-reset'),
    };
    const done = document.createElement('p');
    done.className = 'drill-done';

    let queue = [];
    let current = null;

    const inFilter = (c) => !select.value || c.dataset.chapter === select.value;
    const shuffle = (xs) => {
        for (let i = xs.length - 1; i > 0; i--) {
            const j = Math.floor(Math.random() * (i + 1));
            [xs[i], xs[j]] = [xs[j], xs[i]];
        }
        return xs;
    };
    const refill = () => {
        queue = shuffle(cards.filter((c) => inFilter(c) && !state.known[c.dataset.id]));
    };
    const report = () => {
        const pool = cards.filter(inFilter);
        const known = pool.filter((c) => state.known[c.dataset.id]).length;
        progress.textContent = `Known: ${known} of ${pool.length}`;
        progress.dataset.known = String(known);
        progress.dataset.total = String(pool.length);
    };
    const show = (card) => {
        current?.classList.remove('drill-current');
        current = card;
        stage.replaceChildren();
        if (!card) {
            done.textContent = 'You knew every question here. "Start over" to drill them again, or pick another chapter.';
            stage.append(done);
        } else {
            card.classList.add('drill-current');
            card.querySelector('details').open = false;
            stage.append(card);
        }
        for (const b of [buttons.show, buttons.knew, buttons.again, buttons.next]) b.disabled = !card;
        report();
    };
    const next = () => {
        if (queue.length === 0) refill();
        // Not the same question twice in a row, if there is another.
        if (queue.length > 1 && queue[0] === current) queue.push(queue.shift());
        show(queue.shift() ?? null);
    };
    const answer = () => {
        if (current) current.querySelector('details').open = true;
    };
    const knew = () => {
        if (!current) return;
        state.known[current.dataset.id] = true;
        save();
        next();
    };
    const again = () => {
        if (!current) return;
        delete state.known[current.dataset.id];
        save();
        // Back into the queue, a few questions later.
        queue.splice(Math.min(queue.length, 3), 0, current);
        next();
    };

    buttons.show.addEventListener('click', answer);
    buttons.knew.addEventListener('click', knew);
    buttons.again.addEventListener('click', again);
    buttons.next.addEventListener('click', next);
    buttons.reset.addEventListener('click', () => {
        for (const c of cards.filter(inFilter)) delete state.known[c.dataset.id];
        save();
        refill();
        next();
    });
    select.addEventListener('change', () => {
        state.chapter = select.value;
        save();
        refill();
        next();
    });
    document.addEventListener('keydown', (e) => {
        if (e.altKey || e.ctrlKey || e.metaKey) return;
        const t = e.target;
        if (t instanceof HTMLElement && (t.closest('input, select, textarea, button, summary, a') || t.isContentEditable)) {
            return;
        }
        const act = { ' ': answer, k: knew, a: again, n: next }[e.key.toLowerCase()];
        if (act) {
            e.preventDefault();
            act();
        }
    });

    refill();
    next();
})();
