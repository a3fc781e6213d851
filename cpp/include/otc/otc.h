/* node-otc: the C API, one include. */
#ifndef OTC_OTC_H
#define OTC_OTC_H

#include "base.h"
#include "e2ee.h"
#include "errors.h"
#include "media.h"
#include "publisher.h"
#include "session.h"
#include "subscriber.h"

#endif /* OTC_OTC_H */
