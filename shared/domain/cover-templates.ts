/**
 * Cover-page templates and the office's logo: the limits and sentences both sides use (the
 * renderer checks a chosen logo's size at once; main checks everything again and decodes it).
 */

/** A letterhead logo is a small picture: a scanned page is not a logo. */
export const MAX_LOGO_BYTES = 1024 * 1024;
/** Pixels a logo may have (a 4,000 × 4,000 picture), checked before its pixels are decoded. */
export const MAX_LOGO_PIXELS = 16_000_000;
/** How many templates an office keeps (the send dialog lists them all). */
export const MAX_COVER_TEMPLATES = 50;

export const coverTemplateSentences = {
  logoTooLarge: (name: string, bytes: number) =>
    `${name} is ${(bytes / 1048576).toFixed(1)} MiB; a logo can be at most 1 MiB. Save it smaller (a few hundred pixels wide is plenty), then choose it again.`,
  logoNotPicture: (name: string) => `${name} is not a PNG or JPEG picture. Save the logo as PNG or JPEG, then choose it again.`,
  logoDamaged: (name: string) => `${name} could not be read: the picture seems damaged. Save it again as PNG or JPEG, then choose it again.`,
  logoTooManyPixels: (name: string) => `${name} is too large a picture for a logo (over 16 million pixels). Save it smaller, then choose it again.`,
  logoEmpty: (name: string) => `${name} is empty (0 bytes). Choose the logo file again.`,
  noName: 'Give the template a name (for example “Standard”).',
  duplicateName: (name: string) => `There is already a template called “${name}”. Pick another name.`,
  tooMany: `An office can keep at most ${MAX_COVER_TEMPLATES} cover-page templates. Delete one you no longer use first.`,
  notFound: 'That cover-page template no longer exists. Pick another one.',
};
