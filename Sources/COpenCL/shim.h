// OpenCL 1.2 is what PoCL 3.1 and NVIDIA's driver both accept; 1.2 APIs only.
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
