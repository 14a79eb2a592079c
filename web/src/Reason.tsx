// Every operator and customer action asks for a reason first (it goes into the audit log).
import { createContext, type ReactNode, useCallback, useContext, useRef, useState } from 'react';

interface Ask {
  title: string;
  detail?: string;
  confirm: string;
  danger?: boolean;
}
type AskFn = (a: Ask) => Promise<string | null>;
const Ctx = createContext<AskFn>(async () => null);
export const useReason = () => useContext(Ctx);

export function ReasonProvider({ children }: { children: ReactNode }) {
  const [ask, setAsk] = useState<Ask | null>(null);
  const [text, setText] = useState('');
  const resolve = useRef<(v: string | null) => void>(() => {});
  const dialog = useRef<HTMLDialogElement>(null);
  const fn = useCallback<AskFn>(
    (a) =>
      new Promise((res) => {
        resolve.current = res;
        setText('');
        setAsk(a);
        queueMicrotask(() => dialog.current?.showModal());
      }),
    [],
  );
  const close = (v: string | null) => {
    dialog.current?.close();
    setAsk(null);
    resolve.current(v);
  };
  return (
    <Ctx.Provider value={fn}>
      {children}
      <dialog ref={dialog} aria-labelledby="reason-title" onCancel={() => close(null)}>
        {ask && (
          <form
            method="dialog"
            onSubmit={(e) => {
              e.preventDefault();
              if (text.trim()) close(text.trim());
            }}
          >
            <h2 id="reason-title">{ask.title}</h2>
            {ask.detail && <p className="muted">{ask.detail}</p>}
            <label htmlFor="reason-input">Reason (recorded in the audit log)</label>
            <textarea id="reason-input" required rows={3} value={text} onChange={(e) => setText(e.target.value)} />
            <div className="row end">
              <button type="button" onClick={() => close(null)}>
                Cancel
              </button>
              <button type="submit" className={ask.danger ? 'danger' : 'primary'} disabled={!text.trim()}>
                {ask.confirm}
              </button>
            </div>
          </form>
        )}
      </dialog>
    </Ctx.Provider>
  );
}
