import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles.css';
import { App } from './App';
import { ConsoleWindow } from './consoles/ConsoleWindow';
import { consoleTarget } from './consoles/popout';

// A console popped out of the editor is the same page, showing that one guest (consoles/popout.ts).
const popped = consoleTarget(window.location.search);

createRoot(document.getElementById('root')!).render(
  <StrictMode>{popped ? <ConsoleWindow lab={popped.lab} vm={popped.vm} /> : <App />}</StrictMode>,
);
