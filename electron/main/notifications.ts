// Native notifications for new faxes. The services decide the text (and already reduce it to
// "A new fax arrived." when "hide sender and content on the lock screen" is on); the shell
// only shows it and brings the window forward on click.
import { Notification } from 'electron';

export function showNotification(n: { title: string; body: string }, onClick: () => void): void {
  if (!Notification.isSupported()) return;
  const notification = new Notification({ title: n.title, body: n.body });
  notification.on('click', onClick);
  notification.show();
}
