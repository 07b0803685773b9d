// Modal dialogs: a native <dialog> opened with showModal() (the rest of the
// page is inert, Escape closes it) plus what the browser leaves to us: Tab
// and Shift+Tab wrap around inside the dialog instead of leaving it for the
// browser's own controls, and focus goes back to the opener on close.

const FOCUSABLE = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';

function focusables(dlg) {
  return [...dlg.querySelectorAll(FOCUSABLE)].filter((el) =>
    !el.disabled && !el.closest('[hidden]') && el.tabIndex >= 0 && el.getClientRects().length);
}

// Wires dlg once; returns open(opener, first) which shows it and focuses `first`.
export function modal(dlg) {
  let opener = null;
  dlg.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Tab') return;
    const els = focusables(dlg);
    if (!els.length) return;
    const first = els[0], last = els[els.length - 1];
    if (ev.shiftKey && (document.activeElement === first || !dlg.contains(document.activeElement))) {
      ev.preventDefault();
      last.focus();
    } else if (!ev.shiftKey && (document.activeElement === last || !dlg.contains(document.activeElement))) {
      ev.preventDefault();
      first.focus();
    }
  });
  dlg.addEventListener('close', () => {
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });
  return (from, first) => {
    opener = from || document.activeElement;
    dlg.showModal();
    if (first) first.focus();
  };
}
