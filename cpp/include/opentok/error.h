/* node-otc, Linux SDK interface: the SDK's catch-all error enumeration. The codes callbacks and
 * calls really report are in base.h (generic), session.h, publisher.h and subscriber.h. */
#ifndef OTC_SDK_ERROR_H
#define OTC_SDK_ERROR_H

#include "config.h"

OTC_BEGIN_DECL

enum otc_error { OTC_GENERIC_ERROR = 0 };

OTC_END_DECL

#endif /* OTC_SDK_ERROR_H */
