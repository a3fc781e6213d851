/* node-otc, Linux SDK interface: declaration macros shared by every opentok/ header.
 *
 * The macro names are the SDK's, so that code written against the SDK that spells its own
 * declarations with them keeps compiling. Every public function is declared with OTC_DECL so
 * that it is exported from libopentok.so whatever visibility the library is compiled with. */
#ifndef OTC_SDK_CONFIG_H
#define OTC_SDK_CONFIG_H

#include <stdint.h>
#include <sys/time.h>

#if defined(_WIN32)
#define LIBOPENTOK_LIBRARY_EXPORTED __declspec(dllexport)
#elif defined(SWIG)
#define LIBOPENTOK_LIBRARY_EXPORTED
#else
#define LIBOPENTOK_LIBRARY_EXPORTED __attribute__((__visibility__("default")))
#endif

#ifdef __cplusplus
#define OTC_DECL(type) LIBOPENTOK_LIBRARY_EXPORTED type
#define OTC_BEGIN_DECL extern "C" {
#define OTC_END_DECL }
#else
#define OTC_DECL(type) extern LIBOPENTOK_LIBRARY_EXPORTED type
#define OTC_BEGIN_DECL
#define OTC_END_DECL
#endif

#define OTC_DEF(type) type

/* Platform flags the SDK defines; node-otc builds for Linux only. */
#define IS_MAC_OS 0
#define IS_LINUX 1

#endif /* OTC_SDK_CONFIG_H */
