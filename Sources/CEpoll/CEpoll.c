// The header's inline functions are the whole target; SwiftPM needs one source file to build it.
#include "CEpoll.h"
