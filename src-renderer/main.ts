/**
 * Renderer entry: Pinia, the router and the root component. The connection store reads the
 * session (Electron bridge or `#token=` fragment) before the router first resolves, so the
 * token never lingers in the address bar.
 */
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { createAppRouter } from './router';
import { useConnectionStore } from './stores/connection';
import './styles.css';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
useConnectionStore(pinia).init();
app.use(createAppRouter());
app.mount('#app');

// Skiff rebuilt or upgraded while this tab was open: the page chunks it would load next are
// gone. Load the new build (the session token is in sessionStorage), at most once a minute so a
// genuinely missing file cannot loop.
window.addEventListener('vite:preloadError', (event) => {
  const last = Number(sessionStorage.getItem('skiff.reloadedForBuild') ?? 0);
  if (Date.now() - last < 60_000) return;
  event.preventDefault();
  sessionStorage.setItem('skiff.reloadedForBuild', String(Date.now()));
  window.location.reload();
});
