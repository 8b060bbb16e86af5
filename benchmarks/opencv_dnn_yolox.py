#!/usr/bin/python3
"""The plain Python + OpenCV-DNN recipe for YOLOX-nano, the baseline Huiyan is compared with.

What a typical integrator writes (the YOLOX repository's ONNX demo, with cv2.dnn instead of
onnxruntime): cv2.VideoCapture → letterbox (resize to fit 416, pad 114 at the bottom/right)
→ cv2.dnn.blobFromImage → net.forward → grid decode → cv2.dnn.NMSBoxes per class.

  /usr/bin/python3 benchmarks/opencv_dnn_yolox.py --video ../shared/data/vtest.avi --threads 2
      every frame of the file; prints one JSON line {frames, detections, seconds}
  /usr/bin/python3 benchmarks/opencv_dnn_yolox.py --serve ../shared/data/vtest.avi --threads 2
      loads 1 frame/s of the file scaled to fit 416×416 (as ingest hands frames to Huiyan's
      hot path), then reads a count N per stdin line, runs the hot path
      (letterbox → forward → decode → NMS) N times and answers the elapsed milliseconds;
      used by bench:inference to interleave this recipe with onnxruntime in one run.

Needs Debian's python3-opencv (apt-get install -y python3-opencv), hence /usr/bin/python3.
"""
import argparse
import json
import sys
import time

import cv2
import numpy as np

SIZE = 416
SCORE = 0.3
NMS_IOU = 0.45


def letterbox(img):
    r = min(SIZE / img.shape[0], SIZE / img.shape[1])
    resized = cv2.resize(img, (int(img.shape[1] * r), int(img.shape[0] * r)), interpolation=cv2.INTER_LINEAR)
    padded = np.full((SIZE, SIZE, 3), 114, dtype=np.uint8)
    padded[: resized.shape[0], : resized.shape[1]] = resized
    return padded, r


def grids():
    g, s = [], []
    for stride in (8, 16, 32):
        n = SIZE // stride
        xv, yv = np.meshgrid(np.arange(n), np.arange(n))
        g.append(np.stack((xv, yv), 2).reshape(-1, 2))
        s.append(np.full((n * n, 1), stride))
    return np.concatenate(g, 0).astype(np.float32), np.concatenate(s, 0).astype(np.float32)


GRID, STRIDES = grids()


def detect(net, img):
    padded, r = letterbox(img)
    blob = cv2.dnn.blobFromImage(padded)  # BGR, 0-255, NCHW: what YOLOX was trained on
    net.setInput(blob)
    out = net.forward()[0]
    xy = (out[:, :2] + GRID) * STRIDES
    wh = np.exp(out[:, 2:4]) * STRIDES
    scores = out[:, 4:5] * out[:, 5:]
    cls = scores.argmax(1)
    best = scores[np.arange(len(cls)), cls]
    keep = best > SCORE
    boxes = np.concatenate([xy[keep] - wh[keep] / 2, wh[keep]], 1) / r
    # Per-class NMS (Debian's OpenCV 4.6 has no NMSBoxesBatched): shift each class apart.
    shifted = boxes.copy()
    shifted[:, :2] += cls[keep, None] * 8192.0
    idx = cv2.dnn.NMSBoxes(shifted.tolist(), best[keep].tolist(), SCORE, NMS_IOU)
    return len(idx)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="../shared/models/yolox_nano_416_coco.onnx")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--video")
    ap.add_argument("--serve")
    ap.add_argument("--max-seconds", type=float, default=0, help="--video: stop after this much of the file")
    a = ap.parse_args()
    cv2.setNumThreads(a.threads)
    net = cv2.dnn.readNetFromONNX(a.model)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    if a.video:
        t0 = time.perf_counter()
        cap = cv2.VideoCapture(a.video)
        limit = a.max_seconds * (cap.get(cv2.CAP_PROP_FPS) or 10) if a.max_seconds else float("inf")
        frames = dets = 0
        while frames < limit:
            ok, img = cap.read()
            if not ok:
                break
            dets += detect(net, img)
            frames += 1
        print(json.dumps({"frames": frames, "detections": dets, "seconds": time.perf_counter() - t0, "opencv": cv2.__version__}))
        return
    cap = cv2.VideoCapture(a.serve)
    fps = cap.get(cv2.CAP_PROP_FPS) or 10
    frames, i = [], 0
    while True:
        ok, img = cap.read()
        if not ok:
            break
        if i % round(fps) == 0:
            # As ingest delivers them to Huiyan's hot path: already scaled to fit the input.
            r = min(SIZE / img.shape[0], SIZE / img.shape[1])
            frames.append(cv2.resize(img, (round(img.shape[1] * r), round(img.shape[0] * r)), interpolation=cv2.INTER_AREA))
        i += 1
    detect(net, frames[0])  # warm up
    print(json.dumps({"ready": len(frames), "opencv": cv2.__version__}), flush=True)
    k = 0
    for line in sys.stdin:
        n = int(line)
        t0 = time.perf_counter()
        for _ in range(n):
            detect(net, frames[k % len(frames)])
            k += 1
        print((time.perf_counter() - t0) * 1000, flush=True)


if __name__ == "__main__":
    main()
