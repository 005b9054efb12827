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
const router = createAppRouter();
app.use(router);
// vue-router listens to address-bar changes only once its first navigation has finished (the
// page's chunk loaded): mounting before that shows a shell whose links and hash changes are
// dropped on a slow machine. Mount when the first route is settled.
void router.isReady().finally(() => app.mount('#app'));
