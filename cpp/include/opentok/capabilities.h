/* node-otc, Linux SDK interface: capabilities. The SDK's header declares nothing of its own;
 * otc_session_capabilities lives in session.h. Kept so that code including it compiles. */
#ifndef OTC_SDK_CAPABILITIES_H
#define OTC_SDK_CAPABILITIES_H

#include "config.h"

#endif /* OTC_SDK_CAPABILITIES_H */
