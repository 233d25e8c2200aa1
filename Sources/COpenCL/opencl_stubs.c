// Stubs for the OpenCL functions Leapfrog calls; see include/COpenCL.h. Each forwards to the
// function leapfrog_opencl_bind found in the ICD loader, or fails while unbound (OpenCLLibrary
// binds before any call, so that is only a safety net): status-returning functions return
// CL_PLATFORM_NOT_FOUND_KHR (what the loader says when there is no platform), object-creating
// ones return NULL with CL_INVALID_PLATFORM in errcode_ret.
#include <stddef.h>
#include <dlfcn.h>

// Hidden: the stubs serve this executable only, and must not interpose on the loader's or a
// driver's own calls to these names.
#pragma GCC visibility push(hidden)
#include "COpenCL.h"

#define LEAPFROG_CL_UNBOUND (-1001) /* CL_PLATFORM_NOT_FOUND_KHR */

#define LEAPFROG_OPENCL_FUNCTIONS(X) \
    X(clBuildProgram) X(clCreateBuffer) X(clCreateCommandQueue) X(clCreateContext) X(clCreateKernel) \
    X(clCreateProgramWithBinary) X(clCreateProgramWithSource) X(clEnqueueCopyBuffer) X(clEnqueueNDRangeKernel) \
    X(clEnqueueReadBuffer) X(clEnqueueWriteBuffer) X(clFinish) X(clFlush) X(clGetDeviceIDs) \
    X(clGetDeviceInfo) X(clGetEventInfo) X(clGetEventProfilingInfo) X(clGetKernelWorkGroupInfo) \
    X(clGetPlatformIDs) X(clGetPlatformInfo) X(clGetProgramBuildInfo) X(clGetProgramInfo) \
    X(clReleaseCommandQueue) X(clReleaseContext) X(clReleaseEvent) X(clReleaseKernel) \
    X(clReleaseMemObject) X(clReleaseProgram) X(clSetKernelArg) X(clWaitForEvents)

// One pointer per function, typed from <CL/cl.h>'s own declaration.
#define LEAPFROG_FIELD(name) __typeof__(&name) name;
static struct { LEAPFROG_OPENCL_FUNCTIONS(LEAPFROG_FIELD) } real;
#undef LEAPFROG_FIELD

const char *leapfrog_opencl_bind(void *handle) {
    __typeof__(real) found;
#define LEAPFROG_RESOLVE(name) \
    found.name = (__typeof__(&name))dlsym(handle, #name); \
    if (found.name == NULL) return #name;
    LEAPFROG_OPENCL_FUNCTIONS(LEAPFROG_RESOLVE)
#undef LEAPFROG_RESOLVE
    real = found;
    return NULL;
}

// A function that returns a status code.
#define FORWARD(name, params, args) \
    cl_int CL_API_CALL name params { return real.name ? real.name args : LEAPFROG_CL_UNBOUND; }

// A function that returns an object and reports its status through errcode_ret.
#define FORWARD_CREATE(type, name, params, args) \
    type CL_API_CALL name params { \
        if (real.name) return real.name args; \
        if (errcode_ret) *errcode_ret = CL_INVALID_PLATFORM; \
        return NULL; \
    }

FORWARD(clBuildProgram,
        (cl_program program, cl_uint num_devices, const cl_device_id *device_list, const char *options,
         void (CL_CALLBACK *pfn_notify)(cl_program program, void *user_data), void *user_data),
        (program, num_devices, device_list, options, pfn_notify, user_data))
FORWARD_CREATE(cl_mem, clCreateBuffer,
        (cl_context context, cl_mem_flags flags, size_t size, void *host_ptr, cl_int *errcode_ret),
        (context, flags, size, host_ptr, errcode_ret))
FORWARD_CREATE(cl_command_queue, clCreateCommandQueue,
        (cl_context context, cl_device_id device, cl_command_queue_properties properties, cl_int *errcode_ret),
        (context, device, properties, errcode_ret))
FORWARD_CREATE(cl_context, clCreateContext,
        (const cl_context_properties *properties, cl_uint num_devices, const cl_device_id *devices,
         void (CL_CALLBACK *pfn_notify)(const char *errinfo, const void *private_info, size_t cb, void *user_data),
         void *user_data, cl_int *errcode_ret),
        (properties, num_devices, devices, pfn_notify, user_data, errcode_ret))
FORWARD_CREATE(cl_kernel, clCreateKernel,
        (cl_program program, const char *kernel_name, cl_int *errcode_ret),
        (program, kernel_name, errcode_ret))
FORWARD_CREATE(cl_program, clCreateProgramWithBinary,
        (cl_context context, cl_uint num_devices, const cl_device_id *device_list, const size_t *lengths,
         const unsigned char **binaries, cl_int *binary_status, cl_int *errcode_ret),
        (context, num_devices, device_list, lengths, binaries, binary_status, errcode_ret))
FORWARD_CREATE(cl_program, clCreateProgramWithSource,
        (cl_context context, cl_uint count, const char **strings, const size_t *lengths, cl_int *errcode_ret),
        (context, count, strings, lengths, errcode_ret))
FORWARD(clEnqueueNDRangeKernel,
        (cl_command_queue command_queue, cl_kernel kernel, cl_uint work_dim, const size_t *global_work_offset,
         const size_t *global_work_size, const size_t *local_work_size, cl_uint num_events_in_wait_list,
         const cl_event *event_wait_list, cl_event *event),
        (command_queue, kernel, work_dim, global_work_offset, global_work_size, local_work_size,
         num_events_in_wait_list, event_wait_list, event))
FORWARD(clEnqueueReadBuffer,
        (cl_command_queue command_queue, cl_mem buffer, cl_bool blocking_read, size_t offset, size_t size,
         void *ptr, cl_uint num_events_in_wait_list, const cl_event *event_wait_list, cl_event *event),
        (command_queue, buffer, blocking_read, offset, size, ptr, num_events_in_wait_list, event_wait_list, event))
FORWARD(clEnqueueCopyBuffer,
        (cl_command_queue command_queue, cl_mem src_buffer, cl_mem dst_buffer, size_t src_offset, size_t dst_offset,
         size_t size, cl_uint num_events_in_wait_list, const cl_event *event_wait_list, cl_event *event),
        (command_queue, src_buffer, dst_buffer, src_offset, dst_offset, size, num_events_in_wait_list, event_wait_list,
         event))
FORWARD(clEnqueueWriteBuffer,
        (cl_command_queue command_queue, cl_mem buffer, cl_bool blocking_write, size_t offset, size_t size,
         const void *ptr, cl_uint num_events_in_wait_list, const cl_event *event_wait_list, cl_event *event),
        (command_queue, buffer, blocking_write, offset, size, ptr, num_events_in_wait_list, event_wait_list, event))
FORWARD(clFinish, (cl_command_queue command_queue), (command_queue))
FORWARD(clFlush, (cl_command_queue command_queue), (command_queue))
FORWARD(clGetDeviceIDs,
        (cl_platform_id platform, cl_device_type device_type, cl_uint num_entries, cl_device_id *devices,
         cl_uint *num_devices),
        (platform, device_type, num_entries, devices, num_devices))
FORWARD(clGetDeviceInfo,
        (cl_device_id device, cl_device_info param_name, size_t param_value_size, void *param_value,
         size_t *param_value_size_ret),
        (device, param_name, param_value_size, param_value, param_value_size_ret))
FORWARD(clGetEventInfo,
        (cl_event event, cl_event_info param_name, size_t param_value_size, void *param_value,
         size_t *param_value_size_ret),
        (event, param_name, param_value_size, param_value, param_value_size_ret))
FORWARD(clGetEventProfilingInfo,
        (cl_event event, cl_profiling_info param_name, size_t param_value_size, void *param_value,
         size_t *param_value_size_ret),
        (event, param_name, param_value_size, param_value, param_value_size_ret))
FORWARD(clGetKernelWorkGroupInfo,
        (cl_kernel kernel, cl_device_id device, cl_kernel_work_group_info param_name, size_t param_value_size,
         void *param_value, size_t *param_value_size_ret),
        (kernel, device, param_name, param_value_size, param_value, param_value_size_ret))
FORWARD(clGetPlatformIDs,
        (cl_uint num_entries, cl_platform_id *platforms, cl_uint *num_platforms),
        (num_entries, platforms, num_platforms))
FORWARD(clGetPlatformInfo,
        (cl_platform_id platform, cl_platform_info param_name, size_t param_value_size, void *param_value,
         size_t *param_value_size_ret),
        (platform, param_name, param_value_size, param_value, param_value_size_ret))
FORWARD(clGetProgramBuildInfo,
        (cl_program program, cl_device_id device, cl_program_build_info param_name, size_t param_value_size,
         void *param_value, size_t *param_value_size_ret),
        (program, device, param_name, param_value_size, param_value, param_value_size_ret))
FORWARD(clGetProgramInfo,
        (cl_program program, cl_program_info param_name, size_t param_value_size, void *param_value,
         size_t *param_value_size_ret),
        (program, param_name, param_value_size, param_value, param_value_size_ret))
FORWARD(clReleaseCommandQueue, (cl_command_queue command_queue), (command_queue))
FORWARD(clReleaseContext, (cl_context context), (context))
FORWARD(clReleaseEvent, (cl_event event), (event))
FORWARD(clReleaseKernel, (cl_kernel kernel), (kernel))
FORWARD(clReleaseMemObject, (cl_mem memobj), (memobj))
FORWARD(clReleaseProgram, (cl_program program), (program))
FORWARD(clSetKernelArg,
        (cl_kernel kernel, cl_uint arg_index, size_t arg_size, const void *arg_value),
        (kernel, arg_index, arg_size, arg_value))
FORWARD(clWaitForEvents, (cl_uint num_events, const cl_event *event_list), (num_events, event_list))
#pragma GCC visibility pop
