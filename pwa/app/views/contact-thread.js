// One conversation with the office (/kontakt/watek): the messages and a follow-up.
import '../i18n/account-views.js'; // this view's texts
import { html } from '../preact.js';
import { t } from '../i18n.js';
import { useCachedData } from '../resource.js';
import { queryParam } from '../router.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { Messages, ReplyForm } from '../components/thread.js';

export function ContactThreadView() {
  const id = queryParam(location.search, 'id') || '';
  const resource = useCachedData(`/api/contact/threads/${encodeURIComponent(id)}`);
  return html`<${Page} title=${t('msg.threadTitle')}>
    <p><a href="/kontakt">${t('msg.back')}</a></p>
    <${DataView} resource=${resource}>
      ${(d) => html`<div class="stack">
        <h2>${d.thread.subject}</h2>
        <p class="hint">${t(`msg.category.${d.thread.category}`)} · ${t(`msg.status.${d.thread.status}`)}</p>
        <${Messages} messages=${d.messages} staffView=${false} />
        <${ReplyForm} url=${`/api/contact/threads/${d.thread.id}/messages`} label=${t('msg.followUp')}
          onDone=${() => resource.reload()} />
      </div>`}
    <//>
  <//>`;
}
