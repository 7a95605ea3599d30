// Native notifications for new faxes. The services decide the text (and already reduce it to
// "A new fax arrived." when "hide sender and content on the lock screen" is on); the shell
// only shows it and brings the window forward on click.
import { Notification } from 'electron';

/**
 * The OS holds no reference to a Notification's JavaScript object: once dropped it can be
 * garbage-collected and its click handler never runs. Keep each one until it is clicked or
 * closed ('close' is not guaranteed on every platform, hence the cap).
 */
const live = new Set<Notification>();
const MAX_LIVE = 20;

export function showNotification(n: { title: string; body: string }, onClick: () => void): void {
  if (!Notification.isSupported()) return;
  const notification = new Notification({ title: n.title, body: n.body });
  const release = (): void => { live.delete(notification); };
  notification.on('click', () => {
    release();
    onClick();
  });
  notification.on('close', release);
  notification.on('failed', release);
  live.add(notification);
  if (live.size > MAX_LIVE) {
    const oldest = live.values().next().value;
    if (oldest) live.delete(oldest);
  }
  notification.show();
}
