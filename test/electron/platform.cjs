// --require'd after register.cjs when a test pretends to run on another OS: the main bundle's
// per-platform branches read process.platform at run time.
if (process.env.FXE_STANDIN_PLATFORM) Object.defineProperty(process, 'platform', { value: process.env.FXE_STANDIN_PLATFORM });
